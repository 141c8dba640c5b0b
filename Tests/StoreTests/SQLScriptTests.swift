import Postgres
import Testing

@Suite("SQL script splitting", .timeLimit(.minutes(2)))
struct SQLScriptTests {
    @Test func splitsOnTopLevelSemicolonsOnly() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'a;b');
            /* block; comment */ CREATE TABLE "b;c" (y int);
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            SELECT $1;
            """
        let statements = SQLScript.statements(sql)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("CREATE TABLE a (x text DEFAULT 'a;b')"))
        #expect(statements[1].contains("\"b;c\""))
        #expect(statements[2].contains("SELECT 1; $body$"))
        #expect(statements[3] == "SELECT $1")
    }

    @Test func dropsTrailingCommentsAndBlanks() {
        #expect(SQLScript.statements("SELECT 1;\n\n-- the end\n") == ["SELECT 1"])
    }
}

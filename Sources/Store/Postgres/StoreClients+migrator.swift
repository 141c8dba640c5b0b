import ProcessSupport
import StoreClients

extension StoreClients {
    /// The migrator over this process's database, with the migrations this build ships.
    public func migrator() throws -> Migrator {
        Migrator(database: database, migrations: try Migration.bundled(), logger: logger)
    }
}

import Foundation
import PostgresNIO

extension PostgresOrderRepository {
    /// `head` followed by a WHERE clause holding only the filters `query` sets (so each list
    /// gets the plan its filters deserve), then whatever `tail` appends. Values are always bound.
    static func filtered(
        _ head: String, _ query: OrderQuery, tail: (inout PostgresQuery.StringInterpolation) throws -> Void
    ) throws -> PostgresQuery {
        try filtered({ $0.appendLiteral(head) }, query, tail: tail)
    }

    /// ``filtered(_:_:tail:)`` with a head that binds values of its own.
    static func filtered(
        _ head: (inout PostgresQuery.StringInterpolation) throws -> Void, _ query: OrderQuery,
        tail: (inout PostgresQuery.StringInterpolation) throws -> Void
    ) throws -> PostgresQuery {
        var sql = PostgresQuery.StringInterpolation(literalCapacity: 1024, interpolationCount: 12)
        try head(&sql)
        try appendWhere(query, to: &sql)
        try tail(&sql)
        return PostgresQuery(stringInterpolation: sql)
    }

    /// The WHERE clause of ``filtered(_:_:tail:)``, on orders named `o`.
    static func appendWhere(_ query: OrderQuery, to sql: inout PostgresQuery.StringInterpolation) throws {
        sql.appendLiteral(" WHERE true")
        if let userID = query.userID {
            sql.appendLiteral(" AND o.user_id = ")
            sql.appendInterpolation(userID)
        }
        if !query.statuses.isEmpty {
            sql.appendLiteral(" AND o.status = ANY(")
            sql.appendInterpolation(query.statuses.map(\.rawValue))
            sql.appendLiteral(")")
        }
        if let from = query.createdFrom {
            sql.appendLiteral(" AND o.created_at >= ")
            sql.appendInterpolation(from)
        }
        if let to = query.createdTo {
            sql.appendLiteral(" AND o.created_at <= ")
            sql.appendInterpolation(to)
        }
        if let minimum = query.minTotal {
            sql.appendLiteral(" AND o.total_amount >= ")
            try sql.appendInterpolation(minimum)
        }
        if let maximum = query.maxTotal {
            sql.appendLiteral(" AND o.total_amount <= ")
            try sql.appendInterpolation(maximum)
        }
        if let search = query.search?.lowercased() {
            let pattern = "%" + PostgresUserRepository.escapeLike(search) + "%"
            sql.appendLiteral(" AND (lower(o.customer_name) LIKE ")
            sql.appendInterpolation(pattern)
            sql.appendLiteral(" OR lower(o.customer_email) LIKE ")
            sql.appendInterpolation(pattern)
            sql.appendLiteral(" OR o.id::text LIKE ")
            sql.appendInterpolation(PostgresUserRepository.escapeLike(search) + "%")
            sql.appendLiteral(" OR EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND lower(i.product_sku) = ")
            sql.appendInterpolation(search)
            sql.appendLiteral("))")
        }
    }
}

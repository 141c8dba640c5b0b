import ProcessSupport

extension StoreClients {
    /// The migrator over this process's Postgres client, with the migrations this build ships.
    public func migrator() throws -> Migrator {
        Migrator(client: postgres, migrations: try Migration.bundled(), logger: logger)
    }
}

import ProcessSupport
import Store
import StoreClients

/// What the operations page reads and runs: the job queue, the workers' heartbeats, the
/// reconciler and the stores' health (the same objects `/api/background` and `/health` use).
struct ConsoleOperationsSources: Sendable {
    let queue: JobQueue
    let registry: WorkerRegistry
    let reconciler: Reconciler
    let health: StoreHealth
}

import ProcessSupport
import Store
import StoreClients

/// What the operations page reads and runs: the job queues of every kind, the workers' heartbeats, the
/// reconciler and the stores' health (the same objects `/api/background` and `/health` use).
struct ConsoleOperationsSources: Sendable {
    let queues: JobQueues
    let registry: WorkerRegistry
    let reconciler: Reconciler
    let health: StoreHealth
}

import Dispatch
import Synchronization

/// Runs independent pieces of work on several threads, each thread taking the next
/// index as it finishes one, so a few large pieces do not leave a core idle. The one
/// pool of generation, verify, load and unpack.
public enum WorkQueue {
    /// What a call tells the queue: take the next index, or stop handing out indices
    /// (the other threads finish the call they are in and take no more).
    public enum Step: Sendable { case next, stop }

    /// Calls `body` for indices below `count`, in the order they are taken, on up to
    /// `jobs` threads, until every index is taken or a call returns `.stop`. Each
    /// thread first makes its own `State` (a connection, buffers) with `makeState`.
    public static func forEach<State>(
        _ count: Int, jobs: Int,
        state makeState: @Sendable () -> State,
        _ body: @Sendable (inout State, Int) -> Step
    ) {
        guard count > 0 else { return }
        let next = Atomic<Int>(0)
        let stopped = Atomic<Bool>(false)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, count))) { _ in
            var state = makeState()
            while !stopped.load(ordering: .relaxed) {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < count else { return }
                if body(&state, i) == .stop { stopped.store(true, ordering: .relaxed) }
            }
        }
    }

    /// `forEach` for work that needs no state of its own.
    public static func forEach(_ count: Int, jobs: Int, _ body: @Sendable (Int) -> Step) {
        forEach(count, jobs: jobs, state: { () }) { _, i in body(i) }
    }

    /// Calls `body` for every index below `count` on up to `jobs` threads and returns
    /// the results in index order. Each thread first makes its own `State` (buffers,
    /// decoders) with `makeState` and lends it to every call it runs.
    public static func map<State, Result: Sendable>(
        _ count: Int, jobs: Int,
        state makeState: @Sendable () -> State,
        _ body: @Sendable (inout State, Int) -> Result
    ) -> [Result] {
        let results = Mutex<[Result?]>(Array(repeating: nil, count: count))
        forEach(count, jobs: jobs, state: makeState) { state, i in
            let result = body(&state, i)
            results.withLock { $0[i] = result }
            return .next
        }
        return results.withLock { $0.compactMap { $0 } }
    }
}

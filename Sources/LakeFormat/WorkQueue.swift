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

    /// Calls `body` for every index below `count` on up to `threads` threads at once,
    /// for work that waits on the disk rather than a core (fsync): Dispatch's
    /// `concurrentPerform` runs no more threads than there are cores, so two waits
    /// would never overlap on a 2-core machine. The caller's thread is one of them, the
    /// others are `WaitingThreads`' kept threads; returns when every call has.
    public static func forEachWaiting(_ count: Int, threads: Int, on pool: WaitingThreads = .shared,
                                      _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let next = Atomic<Int>(0)
        let drain: @Sendable () -> Void = {
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < count else { return }
                body(i)
            }
        }
        // A helper that starts after the caller has taken every index does nothing, and
        // the caller waits only for helpers that started: so a call made on a kept
        // thread, while every other is busy, still returns.
        let helpers = Mutex((closed: false, running: 0))
        let finished = DispatchSemaphore(value: 0)
        for _ in 1..<max(1, min(threads, count)) {
            pool.run {
                guard helpers.withLock({ h -> Bool in
                    if h.closed { return false }
                    h.running += 1
                    return true
                }) else { return }
                drain()
                if helpers.withLock({ h -> Bool in
                    h.running -= 1
                    return h.closed && h.running == 0
                }) { finished.signal() }
            }
        }
        drain()
        if helpers.withLock({ h -> Bool in
            h.closed = true
            return h.running > 0
        }) { finished.wait() }
    }
}

import Testing
import Dispatch
import Synchronization
import LakeFormat

@Suite("threads for work that waits")
struct WaitingThreadsTests {
    @Test("every index is called exactly once, whatever the count and the threads", arguments: [0, 1, 2, 7, 100, 1000])
    func everyIndexOnce(count: Int) {
        for threads in [1, 2, 8, 32] {
            let calls = Mutex([Int](repeating: 0, count: count))
            WorkQueue.forEachWaiting(count, threads: threads) { i in calls.withLock { $0[i] += 1 } }
            #expect(calls.withLock { $0 } == [Int](repeating: 1, count: count), "threads \(threads)")
        }
    }

    @Test("the calls run at once, more of them than there are cores: eight waits overlap")
    func waitsOverlap() {
        // Each call waits until all eight have started: it returns only if eight run at once.
        let arrived = Atomic<Int>(0)
        let allThere = DispatchSemaphore(value: 0)
        let timedOut = Atomic<Bool>(false)
        WorkQueue.forEachWaiting(8, threads: 8) { _ in
            if arrived.wrappingAdd(1, ordering: .relaxed).newValue == 8 {
                for _ in 0..<7 { allThere.signal() }
            } else if allThere.wait(timeout: .now() + 10) == .timedOut {
                timedOut.store(true, ordering: .relaxed)
            }
        }
        let waitedInVain = timedOut.load(ordering: .relaxed)
        #expect(!waitedInVain)
    }

    @Test("a call made on a kept thread while every other is busy still returns: the caller does the work")
    func nestedOnABusyPool() {
        let pool = WaitingThreads(limit: 2)
        let done = DispatchSemaphore(value: 0)
        let sums = Mutex([Int]())
        for _ in 0..<4 {
            pool.run {
                let sum = Atomic<Int>(0)
                WorkQueue.forEachWaiting(50, threads: 4, on: pool) { i in sum.wrappingAdd(i, ordering: .relaxed) }
                sums.withLock { $0.append(sum.load(ordering: .relaxed)) }
                done.signal()
            }
        }
        var finished = 0
        for _ in 0..<4 where done.wait(timeout: .now() + 20) == .success { finished += 1 }
        #expect(finished == 4)
        #expect(sums.withLock { $0 } == [Int](repeating: 50 * 49 / 2, count: 4))
    }
}

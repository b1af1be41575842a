// Copied from Sources/VGGCodegen/Runtime/Workers.swift by vggc compile. Do not edit this copy: edit the original.
// Workers.swift — part of the predictor runtime (embedded by Plugins/EmbedRuntime).
//
// Persistent worker threads for the generated steps' `parallelRanges` / `parallelChunks`.
// Why not DispatchQueue.concurrentPerform: between two steps its threads park, and waking
// them costs 16–37 µs per step in this VM (docs/swiftc-facts.md); the
// shipped model's 16 steps take 1.5 ms in all, so on 2 threads it ran at 1.47 ms instead of
// 0.93 ms with these workers (measured with --profile 200). A worker spins on a generation
// counter for a while after each job (a step follows within microseconds while an image
// runs), then parks on a condition variable so an idle predictor costs no CPU. With more
// threads than CPUs it parks at once: spinning threads would take the cores from the work.

import Synchronization
#if canImport(Glibc)
import Glibc
#endif

final class Workers: @unchecked Sendable {
    static let shared = Workers()

    /// Bumped once per job; a worker runs the job when it sees a new value.
    private let generation = Atomic<Int>(0)
    /// Workers done with the current job.
    private let finished = Atomic<Int>(0)
    /// Workers parked on `wake` (the caller signals only when there are some).
    private let sleepers = Atomic<Int>(0)
    /// The current job and the number of threads taking part (caller included); written
    /// before `generation` is bumped (release), read after it is seen (acquire).
    private var job: ((Int) -> Void)?
    private var taking = 1
    private var spawned = 0
    /// How long a worker spins before parking: 0 once there are more workers (plus the
    /// caller) than CPUs. Atomic: the caller changes it while workers read it.
    private let spinLimit = Atomic<Int>(0)
    private let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>

    private init() {
        lock = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
    }

    /// Runs `work(k)` for k in 0..<threads, k = 0 on the calling thread; returns when all
    /// are done. Not reentrant: one caller at a time (the predictor runs one image at a time).
    func run(_ threads: Int, _ work: (Int) -> Void) {
        if threads <= 1 { work(0); return }
        if spawned < threads - 1 {
            while spawned < threads - 1 { spawn() }
            // Every spawned worker wakes for every job, so the count that matters is all of them.
            spinLimit.store(spawned + 1 <= cpus ? 200_000 : 0, ordering: .relaxed)
        }
        withoutActuallyEscaping(work) { work in
            job = work
            taking = threads
            finished.store(0, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(lock)
                pthread_cond_broadcast(wake)
                pthread_mutex_unlock(lock)
            }
            work(0)
            var spins = 0
            while finished.load(ordering: .acquiring) < spawned {
                spins += 1
                if spawned + 1 > cpus && spins > 1_000 { sched_yield() }  // let parked workers run
            }
            job = nil
        }
    }

    private final class Start {
        let pool: Workers, index: Int, seen: Int
        init(pool: Workers, index: Int, seen: Int) { (self.pool, self.index, self.seen) = (pool, index, seen) }
    }

    private func spawn() {
        spawned += 1
        // The worker starts from the current generation, so a job posted before it runs is
        // not missed.
        let start = Start(pool: self, index: spawned, seen: generation.load(ordering: .acquiring))
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { arg in
            let start = Unmanaged<Start>.fromOpaque(arg!).takeRetainedValue()
            start.pool.loop(index: start.index, seen: start.seen)
            return nil
        }, Unmanaged.passRetained(start).toOpaque())
        guard created == 0 else { kernelFailure("cannot start a worker thread (error \(created))") }
        pthread_detach(thread)
    }

    private func loop(index: Int, seen initial: Int) {
        var seen = initial
        while true {
            var current = generation.load(ordering: .acquiring)
            var spins = 0
            let limit = spinLimit.load(ordering: .relaxed)
            while current == seen && spins < limit {
                spins += 1
                current = generation.load(ordering: .acquiring)
            }
            if current == seen {
                pthread_mutex_lock(lock)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                current = generation.load(ordering: .sequentiallyConsistent)
                while current == seen {
                    pthread_cond_wait(wake, lock)
                    current = generation.load(ordering: .sequentiallyConsistent)
                }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(lock)
            }
            seen = current
            if index < taking { job?(index) }
            finished.add(1, ordering: .releasing)
        }
    }
}

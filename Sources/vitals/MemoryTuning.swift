#if canImport(Glibc)
import Glibc
#endif

/// Process-wide memory settings, set once as the executable starts (libraries leave the allocator alone).
enum MemoryTuning {
    /// glibc gives the free memory at the top of a thread's heap back to the kernel once more than 128 KiB of it is
    /// free. The store's transactions (SQLite's page buffers, statements, the rows of a batch) free and take back
    /// about that much every time, on whichever of the concurrency pool's threads runs them, so each batch paid for
    /// `madvise` and for faulting the same pages in again: `perf` showed 43 % of the ingest path's time in the
    /// kernel. Keeping up to 8 MiB free per heap took `VitalsStore.record` from 0.019 to 0.045 M observations/s at
    /// synchronous=NORMAL on the 2-core test VM (`make bench`, section ingest).
    static let trimThreshold: Int32 = 8 << 20

    /// `M_TRIM_THRESHOLD` in glibc's <malloc.h>, which Swift's Glibc module does not bring in (nor `mallopt`).
    static let mTrimThreshold: Int32 = -1

    static func apply() {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }  // RTLD_DEFAULT
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        _ = mallopt(mTrimThreshold, trimThreshold)
        #endif
    }
}

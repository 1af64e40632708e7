//! A cache prefetch hint. The appender checks a sample at `append` and encodes it at
//! commit, a whole batch of series later: prefetching the open chunk's tail at check time
//! lets those cache misses overlap instead of stalling the commit loop one at a time
//! (the series lock's atomic instructions keep the CPU from overlapping them by itself).

/// Asks the CPU to load the cache line holding `p` (any address: a prefetch never
/// faults) without waiting for it.
#[inline]
pub(crate) fn prefetch_read<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is only a hint: it never faults, whatever the address, and
        // reads nothing into program state.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

//! The allocator of the `ws` binary (declared by `main.rs`; the library
//! leaves the choice to the program that embeds it): mimalloc, on the
//! system's small pages while the heap is small, on transparent huge
//! pages once it has grown past [`HUGE_PAGES_FROM`].
//!
//! mimalloc asks for huge pages for all of its memory and starts each
//! thread's pages in a region of its own, so every thread that allocates
//! at all costs a whole 2 MiB page where huge pages are on: a one-shot
//! `ws text` peaked at 13.4 MiB (8.2 on small pages) and an idle
//! `ws listen` held 16 MiB (8.4). Huge pages pay off once the heap
//! grows by tens of MiB, with one page fault per 2 MiB instead of 512: a
//! script holding 1,000 echoes of 64 KiB took 1.3 times as long on small
//! pages, 100,000 of 1 KiB 1.15 times. So the process starts with huge
//! pages off and turns them on, once and for good, when the bytes it has
//! allocated and not freed pass the mark.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

use mimalloc::MiMalloc;

/// Heap size, in bytes allocated and not freed, from which new memory
/// comes in huge pages. Commands that hold little stay well below it (a
/// one-shot and `ws listen` of a million messages peaked near 1 MiB,
/// `ws pipe` of 200,000 lines near 2); below it, a bulk exchange pays a
/// fault per 4 KiB (about 2,000 faults, some 5 % of the script above).
const HUGE_PAGES_FROM: isize = 8 << 20;
/// How far a thread's own count may drift before it is added to the
/// process's (so most allocations touch nothing shared).
const DRIFT: isize = 1 << 20;

/// The process's heap, as of the last fold of each thread's count.
static HEAP: AtomicIsize = AtomicIsize::new(0);
/// Whether huge pages were turned on.
static HUGE: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// This thread's allocations less its frees, not yet in [`HEAP`].
    static UNFOLDED: Cell<isize> = const { Cell::new(0) };
}

/// mimalloc, counting how much it holds (see the module's notes).
pub(crate) struct Allocator;

/// Turns huge pages off for the process before anything runs, mimalloc's
/// own start included (a constructor with a priority runs before those
/// without, such as mimalloc's). Nothing happens where the system has no
/// say in it.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00200")]
static START_ON_SMALL_PAGES: extern "C" fn() = {
    extern "C" fn start() {
        set_huge_pages(false);
    }
    start
};

fn set_huge_pages(on: bool) {
    #[cfg(target_os = "linux")]
    {
        // prctl's arguments are unsigned longs (a plain 0 would be an int,
        // its upper half undefined).
        let (disable, none): (libc::c_ulong, libc::c_ulong) = (libc::c_ulong::from(!on), 0);
        // SAFETY: PR_SET_THP_DISABLE only sets a flag of the process; it
        // reads no memory of ours.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, disable, none, none, none);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = on;
}

/// Counts `bytes` more (or fewer) held by the heap, until huge pages
/// are on (nothing is counted after that).
fn grew(bytes: isize) {
    if HUGE.load(Ordering::Relaxed) {
        return;
    }
    // A thread's count lives as long as the thread (no destructor), so
    // this only fails in the thread's last moments: those bytes go uncounted.
    let _ = UNFOLDED.try_with(|unfolded| {
        let count = unfolded.get() + bytes;
        if count.abs() < DRIFT {
            unfolded.set(count);
            return;
        }
        unfolded.set(0);
        let heap = HEAP.fetch_add(count, Ordering::Relaxed) + count;
        if heap > HUGE_PAGES_FROM && !HUGE.swap(true, Ordering::Relaxed) {
            set_huge_pages(true);
        }
    });
}

/// A size as a count that can go down.
fn signed(size: usize) -> isize {
    isize::try_from(size).unwrap_or(isize::MAX)
}

// SAFETY: every call goes to mimalloc with the caller's arguments; the
// counting around it neither allocates nor touches the memory.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as it came.
        let block = unsafe { MiMalloc.alloc(layout) };
        if !block.is_null() {
            grew(signed(layout.size()));
        }
        block
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as it came.
        let block = unsafe { MiMalloc.alloc_zeroed(layout) };
        if !block.is_null() {
            grew(signed(layout.size()));
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: forwarded as it came.
        unsafe { MiMalloc.dealloc(block, layout) };
        grew(-signed(layout.size()));
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as it came.
        let moved = unsafe { MiMalloc.realloc(block, layout, new_size) };
        if !moved.is_null() {
            grew(signed(new_size) - signed(layout.size()));
        }
        moved
    }
}

//! The process's allocator: mimalloc, with one change. mimalloc keeps a
//! block that `realloc` shrinks by less than half where it is, so the
//! `shrink_to_fit` and `into_boxed_*` calls this code relies on to drop
//! spare room (a model's maps, a plan's statements) gave nothing back. A
//! shrink that saves at least an eighth moves the block to a smaller one
//! instead. At 10 000 tables that took a first plan's peak from 234 to
//! 223 MiB, for no measurable time (docs/BENCHMARKS.md).

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

pub struct Mimalloc;

// SAFETY: every block comes from mimalloc's aligned calls with the
// layout's size and alignment, and goes back through `mi_free`, which
// takes any of its blocks.
unsafe impl GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr as *mut c_void);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size < layout.size() && worth_moving(ptr, new_size) {
            let moved = mi::mi_malloc_aligned(new_size, layout.align()) as *mut u8;
            if !moved.is_null() {
                std::ptr::copy_nonoverlapping(ptr, moved, new_size);
                mi::mi_free(ptr as *mut c_void);
                return moved;
            }
        }
        mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
    }
}

/// Whether a block of `new_size` would be at least an eighth smaller than
/// the one `ptr` has now. A smaller saving is not worth a copy (a list of
/// 85 000 objects a few entries too long is 23 MB copied for nothing).
unsafe fn worth_moving(ptr: *mut u8, new_size: usize) -> bool {
    let now = mi::mi_usable_size(ptr as *const c_void);
    mi::mi_good_size(new_size) <= now - now / 8
}

#[cfg(test)]
mod tests {
    use std::ffi::c_void;

    use libmimalloc_sys as mi;

    fn usable<T>(v: &[T]) -> usize {
        // SAFETY: the pointer of a live allocation of the global allocator.
        unsafe { mi::mi_usable_size(v.as_ptr() as *const c_void) }
    }

    #[test]
    fn shrinking_gives_the_room_back() {
        let mut v: Vec<u8> = Vec::with_capacity(1000);
        v.extend(0..=255u8);
        v.extend(0..=255u8);
        v.extend(0..100u8);
        assert!(usable(&v) >= 1000);
        v.shrink_to_fit();
        assert!(usable(&v) < 1000, "still {} bytes", usable(&v));
        assert_eq!(v.len(), 612);
        assert!(v[..256].iter().copied().eq(0..=255u8) && v[512..].iter().copied().eq(0..100u8));
        let s = String::from_utf8(vec![b'x'; 300]).unwrap();
        let mut t = String::with_capacity(4096);
        t.push_str(&s);
        let boxed = t.into_boxed_str();
        assert_eq!(&*boxed, s);
        assert!(usable(boxed.as_bytes()) < 4096);
    }

    #[test]
    fn a_small_saving_stays_in_place() {
        let mut v: Vec<u64> = Vec::with_capacity(100_000);
        v.extend(0..99_990u64);
        let before = v.as_ptr();
        v.shrink_to_fit();
        assert_eq!(v.as_ptr(), before, "moved for a few bytes");
        assert!(v.iter().copied().eq(0..99_990u64));
    }

    #[test]
    fn growing_keeps_the_contents() {
        let mut v: Vec<u32> = Vec::new();
        for i in 0..100_000u32 {
            v.push(i);
        }
        assert!(v.iter().copied().eq(0..100_000u32));
    }
}

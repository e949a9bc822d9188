//! A buffer per thread that pages are rendered into before they are
//! compiled for the cache, which copies them.
//!
//! A fresh buffer for every uncached page faulted its memory in anew: the
//! allocator hands a freed buffer's pages back to the system between
//! renders, and the whole-site profile had those faults at 6-7% of the
//! server's CPU (docs/PERFORMANCE.md, session 12). A buffer kept per thread
//! stays mapped.

use std::cell::RefCell;

/// A buffer grown past this by an unusually long page is let go after it,
/// so no thread keeps megabytes for one outlier.
const KEPT_BYTES: usize = 256 * 1024;

thread_local! {
    static BUFFER: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs `render` on this thread's empty buffer, with room for `hint` bytes.
/// A render that starts another (none does today) gets a buffer of its own.
pub(crate) fn render_with<R>(hint: usize, render: impl FnOnce(&mut String) -> R) -> R {
    BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            buf.reserve(hint);
            let out = render(&mut buf);
            if buf.capacity() > KEPT_BYTES {
                *buf = String::new();
            }
            out
        }
        Err(_) => render(&mut String::with_capacity(hint)),
    })
}

#[cfg(test)]
mod tests {
    use super::render_with;

    #[test]
    fn each_render_starts_empty_and_keeps_its_room() {
        let first = render_with(64, |b| {
            b.push_str("first page");
            (b.clone(), b.as_ptr() as usize)
        });
        assert_eq!(first.0, "first page");
        let second = render_with(16, |b| {
            assert!(b.is_empty(), "left over: {b:?}");
            b.push_str("second");
            (b.clone(), b.as_ptr() as usize)
        });
        assert_eq!(second.0, "second");
        assert_eq!(first.1, second.1, "the buffer was not kept");
    }

    #[test]
    fn a_nested_render_gets_its_own_buffer_and_a_huge_one_is_let_go() {
        let inner = render_with(8, |outer| {
            outer.push_str("outer");
            let inner = render_with(8, |b| {
                b.push_str("inner");
                b.clone()
            });
            assert_eq!(outer, "outer");
            inner
        });
        assert_eq!(inner, "inner");
        render_with(super::KEPT_BYTES * 2, |b| b.push('x'));
        render_with(0, |b| assert!(b.capacity() <= super::KEPT_BYTES));
    }
}

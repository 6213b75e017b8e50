;; The gear-hash inner loop of the chunker (see chunker.ts), as WebAssembly:
;; the same arithmetic as the JavaScript loop, about twice as fast because it
;; needs no bounds checks. Each loop takes eight bytes per round while eight
;; remain before its stop (one bound check, not eight; the byte loads use
;; constant offsets), then the rest one at a time: 0.40 -> 0.27 CPU-s/GiB
;; for the sequential scan of random bytes on this machine (same cuts).
;; gear-kernel.ts embeds the assembled bytes
;; (`wat2wasm --enable-threads gear-kernel.wat`); a test checks both that they
;; match this file and that they cut exactly where the JavaScript loop does.
;;
;; Memory: the 256-entry gear table (i32, little-endian) at address 0, the
;; bytes to scan anywhere after it. The memory is shared so that a hash worker
;; can read the same bytes.
(module
  (import "env" "mem" (memory 1 65536 shared))
  ;; the rolling hash after the last byte scanned
  (global $h (export "h") (mut i32) (i32.const 0))
  ;; Hashes bytes [$i, $maxStop): with mask $ms below $avgStop, with $ml from
  ;; there on. Returns the address just past the first byte whose hash has no
  ;; masked bit set, or -1 if there is none.
  (func (export "scan")
    (param $i i32) (param $avgStop i32) (param $maxStop i32) (param $h i32) (param $ms i32) (param $ml i32)
    (result i32)
    (block $done
      (loop $small8
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $avgStop)))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=0 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ms)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 1)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=1 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ms)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 2)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=2 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ms)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 3)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=3 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ms)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 4)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=4 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ms)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 5)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=5 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ms)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 6)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=6 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ms)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 7)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=7 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ms)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $small8)))
    (block $done
      (loop $small
        (br_if $done (i32.ge_u (local.get $i) (local.get $avgStop)))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u (local.get $i)) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ms)))
          (then (global.set $h (local.get $h)) (return (local.get $i))))
        (br $small)))
    (block $done
      (loop $large8
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $maxStop)))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=0 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ml)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 1)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=1 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ml)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 2)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=2 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ml)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 3)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=3 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ml)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 4)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=4 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ml)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 5)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=5 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ml)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 6)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=6 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ml)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 7)))))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u offset=7 (local.get $i)) (i32.const 2)))))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ml)))
          (then (global.set $h (local.get $h)) (return (i32.add (local.get $i) (i32.const 8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $large8)))
    (block $done
      (loop $large
        (br_if $done (i32.ge_u (local.get $i) (local.get $maxStop)))
        (local.set $h (i32.add (i32.shl (local.get $h) (i32.const 1))
                               (i32.load (i32.shl (i32.load8_u (local.get $i)) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.eqz (i32.and (local.get $h) (local.get $ml)))
          (then (global.set $h (local.get $h)) (return (local.get $i))))
        (br $large)))
    (global.set $h (local.get $h))
    (i32.const -1))
)

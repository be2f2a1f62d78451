/** Test images drawn with `@napi-rs/canvas` (real PNG/JPEG bytes, known dimensions). */
import { createCanvas } from '@napi-rs/canvas';

/** A `w`×`h` PNG with some drawing on it. */
export function png(w = 64, h = 48, label = 'hi'): Buffer {
  const c = createCanvas(w, h);
  const g = c.getContext('2d');
  g.fillStyle = '#2a6';
  g.fillRect(0, 0, w, h);
  g.fillStyle = '#fff';
  g.font = '16px sans-serif';
  g.fillText(label, 4, Math.min(h - 4, 20));
  return c.toBuffer('image/png');
}

/** A `w`×`h` JPEG. */
export function jpeg(w = 32, h = 32): Buffer {
  const c = createCanvas(w, h);
  const g = c.getContext('2d');
  g.fillStyle = '#c33';
  g.fillRect(0, 0, w, h);
  return c.toBuffer('image/jpeg');
}

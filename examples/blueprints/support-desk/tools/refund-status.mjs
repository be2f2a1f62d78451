// The refund-status tool of the support desk: the status of an order's refund (a deterministic stand-in for a
// billing system). Blueprint tool modules export one function; the manifest pins this file's sha256.
export default function refundStatus(args) {
  const order = String(args?.order ?? '').trim();
  if (order === '') return { error: 'give an order number, e.g. {"order": "A-1007"}' };
  return { order, refund: order.endsWith('7') ? 'refunded on 2026-11-30' : 'pending review' };
}

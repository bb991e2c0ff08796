/**
 * Postgres write-ahead-log positions (`pg_lsn`, printed `X/Y` in hex) as bigints, so positions
 * compare and subtract exactly (Number loses precision above 2^53 bytes of WAL).
 */
export function parseLsn(text: string | null | undefined): bigint | undefined {
  if (!text) return undefined;
  const [hi, lo] = text.split('/');
  if (hi === undefined || lo === undefined) return undefined;
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

/** `a - b` in bytes, 0 when `b` is ahead (as `pg_wal_lsn_diff`, clamped). */
export function lsnBytesBehind(ahead: bigint, behind: bigint): number {
  return ahead > behind ? Number(ahead - behind) : 0;
}

/**
 * Spawns a child that needs a fixed port, choosing another port when the chosen one was taken
 * between the choice and the bind (EADDRINUSE), up to 3 attempts.
 */
export async function spawnOnFreePort<T>(
  freePort: () => Promise<number>,
  spawn: (port: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await spawn(port);
    } catch (err) {
      // The process errors carry the child's last lines (HAProxy: "cannot bind socket").
      const inUse = /EADDRINUSE|Address already in use|cannot bind socket/i.test(
        String((err as Error)?.message),
      );
      if (!inUse || attempt >= 3) throw err;
    }
  }
}

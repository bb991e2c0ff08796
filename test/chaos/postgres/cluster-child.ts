// Starts a managed cluster under the emergency handlers, prints what it owns, and waits to be interrupted.
import { PostgresCluster } from '../../../src/chaos/postgres/index.js';
import { installEmergencyHandlers } from '../../../src/chaos/safety/emergency-handlers.js';
import { SafetyController } from '../../../src/chaos/safety/safety-controller.js';

const safety = new SafetyController({ env: { ...process.env, ENVIRONMENT: 'test' } });
installEmergencyHandlers(safety);
const cluster = await PostgresCluster.start();
safety.register(cluster.asRevertible());
const pids = [cluster.etcd?.process.pid, ...cluster.nodes.map((n) => n.pid)];
const ports = [cluster.etcd?.clientPort, ...cluster.nodes.map((n) => n.port)];
process.stdout.write(`${JSON.stringify({ dir: cluster.dir, pids, ports })}\n`);
setInterval(() => {}, 1000);

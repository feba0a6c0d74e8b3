/** Addresses of the real servers (from `make testbed-up` or the caller's environment). */
export function requireEnv(name: 'KAFKA_BROKERS' | 'REDIS_URL' | 'MYSQL_URL' | 'KUBECONFIG'): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run \`make testbed-up\` or point ${name} at a server`);
  return v;
}

export const uniqueSuffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/**
 * The baselines of the API benchmark, run in their own process like the hub:
 * `hello` is a bare Fastify route; `pg` reads one row by primary key with node-postgres,
 * no auth, no RLS, no validation: the practical limit for a database-backed route.
 */
import Fastify from 'fastify';
import pg from 'pg';

const [mode, port, databaseUrl] = process.argv.slice(2);
const app = Fastify({ logger: false });

if (mode === 'hello') {
  app.get('/', async () => ({ hello: 'world' }));
} else if (mode === 'pg') {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  app.get<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
    const { rows } = await pool.query('SELECT id, title, body, properties FROM bench_items WHERE id = $1', [
      request.params.id,
    ]);
    if (rows.length === 0) return reply.status(404).send({ error: 'not found' });
    return rows[0];
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}

await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');

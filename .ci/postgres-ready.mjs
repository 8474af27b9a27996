// Exits 0 once `select 1` answers on the URL, trying for up to N seconds (default 1).
import postgres from 'postgres';

const [url, seconds = '1'] = process.argv.slice(2);
const deadline = Date.now() + Number(seconds) * 1000;
for (;;) {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    await sql.end();
    process.exit(0);
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    if (Date.now() > deadline) {
      console.error(`PostgreSQL not ready: ${error.message}`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

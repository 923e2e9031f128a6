"""Bulk import and export of products and stock (`/staff/v1/imports`, `/staff/v1/exports`).

One code path: the `omni` CLI (`omni import products`, `omni export products`, `omni demo load`)
calls these HTTP routes rather than the services. The gateway is where admins are known, where
import jobs are stored (its own database) and worked off, and where every rule of a row is
checked once; a CLI with its own path would need the services' addresses, a second job store
and a second place for the rules, and could drift from what the API does.

- `rows`: one row per variant, read from and written to CSV and JSON Lines;
- `reader`: an upload body, streamed, into rows (never the whole file in memory);
- `jobs`: the job, its rows in chunks and its errors, in the gateway's database;
- `catalog` and `stock`: a chunk of rows applied through the services' RPCs;
- `worker`: claims jobs (a job whose process died is resumed by the next claim) and runs them;
- `export`: the catalog and stock as rows, streamed.
"""

-- Who ran what, how each migration came to be recorded, and the one lock
-- key this bookkeeping is kept under. Runs with search_path set to the
-- bookkeeping schema only. Rows written before this have the new columns
-- empty: they were not recorded.
ALTER TABLE migration_audit
    ADD COLUMN role text,
    ADD COLUMN client_addr text,
    ADD COLUMN client_host text,
    ADD COLUMN tool_version text,
    ADD COLUMN application_name text,
    ADD COLUMN backend_pid integer,
    ADD COLUMN backend_start timestamptz,
    ADD COLUMN reason text;

ALTER TABLE migration_audit DROP CONSTRAINT migration_audit_status_check;
ALTER TABLE migration_audit ADD CONSTRAINT migration_audit_status_check CHECK (status IN
    ('running', 'applied', 'failed', 'reverting', 'reverted', 'revert_failed',
     'marked_applied', 'marked_pending', 'interrupted'));

-- applied: its statements ran here; adopted: recorded without running
-- (baseline or import --mark-applied) on a database that already had its
-- objects; marked: recorded by `reconcile mark`, run by hand.
ALTER TABLE schema_migrations
    ADD COLUMN recorded_as text NOT NULL DEFAULT 'applied'
    CHECK (recorded_as IN ('applied', 'adopted', 'marked'));

-- Until now only baseline and import recorded without running.
UPDATE schema_migrations m SET recorded_as = 'adopted'
 WHERE (SELECT a.status FROM migration_audit a
         WHERE a.migration_name = m.migration_name AND a.status IN ('applied', 'marked_applied')
         ORDER BY a.id DESC LIMIT 1) = 'marked_applied';

CREATE TABLE runner (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    lock_key bigint NOT NULL
);

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.oid::regclass::text AS obj, a.grantee
          FROM pg_class c
          CROSS JOIN LATERAL aclexplode(c.relacl) a
         WHERE c.relnamespace = current_schema()::regnamespace AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM %s', r.obj,
            CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE r.grantee::regrole::text END);
    END LOOP;
END
$$;

DROP TABLE runner;
ALTER TABLE schema_migrations DROP COLUMN recorded_as;
ALTER TABLE migration_audit DROP CONSTRAINT migration_audit_status_check;
ALTER TABLE migration_audit ADD CONSTRAINT migration_audit_status_check CHECK (status IN
    ('running', 'applied', 'failed', 'reverting', 'reverted', 'revert_failed', 'marked_applied'));
ALTER TABLE migration_audit
    DROP COLUMN role, DROP COLUMN client_addr, DROP COLUMN client_host,
    DROP COLUMN tool_version, DROP COLUMN application_name, DROP COLUMN backend_pid,
    DROP COLUMN backend_start, DROP COLUMN reason;

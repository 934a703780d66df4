DROP TABLE down_migrations;
DROP TABLE migration_audit;
DROP TABLE schema_migrations;

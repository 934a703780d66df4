CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE VIEW best AS SELECT 'happy'::mood AS m;
CREATE MATERIALIZED VIEW worst AS SELECT 'sad'::mood AS m;

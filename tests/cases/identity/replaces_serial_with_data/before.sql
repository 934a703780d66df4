CREATE SCHEMA app;
CREATE TABLE app.t (id bigserial PRIMARY KEY, a text);
INSERT INTO app.t (a) SELECT 'r' || g FROM generate_series(1, 5) AS g;
INSERT INTO app.t VALUES (100, 'set by hand');

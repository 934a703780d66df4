CREATE SCHEMA app;
CREATE SCHEMA arch;
CREATE TABLE app.m (id integer NOT NULL, at date NOT NULL, v text) PARTITION BY LIST (id);
CREATE TABLE arch.m_1 (id integer NOT NULL, at date NOT NULL, v text);
INSERT INTO arch.m_1 VALUES (1, '2024-05-01', 'a');

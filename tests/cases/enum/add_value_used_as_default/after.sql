CREATE TYPE mood AS ENUM ('sad', 'ok', 'great');
CREATE TABLE t (id integer PRIMARY KEY, m mood DEFAULT 'great');
INSERT INTO t VALUES (1, 'ok');

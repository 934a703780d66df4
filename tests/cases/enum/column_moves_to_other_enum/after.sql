CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TYPE feeling AS ENUM ('sad', 'ok', 'great');
CREATE TABLE t (id integer PRIMARY KEY, m feeling);
INSERT INTO t VALUES (1, 'ok');

CREATE TABLE a (x integer);
CREATE TABLE b (y integer) INHERITS (a);
CREATE TABLE c (z integer) INHERITS (b);

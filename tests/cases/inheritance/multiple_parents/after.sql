CREATE TABLE a (x integer);
CREATE TABLE b (y integer);
CREATE TABLE c (z integer) INHERITS (a, b);

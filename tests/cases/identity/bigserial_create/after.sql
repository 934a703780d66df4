CREATE TABLE t (id bigserial PRIMARY KEY, a text);

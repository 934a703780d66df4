CREATE TABLE parent (id integer, CONSTRAINT parent_id_check CHECK (id > 0));
CREATE TABLE child () INHERITS (parent);

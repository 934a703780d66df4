CREATE TABLE parent (id integer, name text, gone text);
CREATE TABLE child (extra text) INHERITS (parent);

CREATE TABLE new_name (id integer, a text, CONSTRAINT old_name_pkey PRIMARY KEY (id));

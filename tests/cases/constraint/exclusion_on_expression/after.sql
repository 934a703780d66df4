CREATE TABLE n (id integer PRIMARY KEY, name text, CONSTRAINT n_lower_excl EXCLUDE USING btree (lower(name) WITH =));

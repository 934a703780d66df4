REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO acc_reader;
CREATE TABLE public.t (id int);

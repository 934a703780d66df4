CREATE EXTENSION "uuid-ossp";
CREATE TABLE t (id uuid PRIMARY KEY DEFAULT uuid_generate_v4());

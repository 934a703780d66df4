CREATE SEQUENCE order_no;
CREATE TABLE orders (id integer PRIMARY KEY, no bigint DEFAULT nextval('order_no'));

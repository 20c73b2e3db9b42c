-- The relay reserves a block of pub_seq values with setval, which needs UPDATE on the sequence.
GRANT UPDATE ON SEQUENCE made_open.outbox_pub_seq TO service_role;

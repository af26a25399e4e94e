-- Privileges for the role the app connects as: it owns nothing, so it can neither switch the audit
-- log's triggers off nor change a written audit row or checkpoint. Run as the owner (the role that
-- runs `flask db upgrade`), after every upgrade, with psql:
--   psql "$OWNER_URL" -v role=countersign_app -f docs/app_role.sql
GRANT USAGE ON SCHEMA public TO :"role";
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO :"role";
-- The append-only tables: read and append, never change (nor DELETE or TRUNCATE, granted nowhere).
REVOKE UPDATE ON audit_event, audit_checkpoint FROM :"role";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO :"role";

"""Form definitions, one module per trust (plus generic), each exporting FORMS."""

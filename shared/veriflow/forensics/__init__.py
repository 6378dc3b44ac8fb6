"""The verification layers' analysis of one file: pure functions from bytes (and facts the caller
looked up) to an assessment with findings. No AWS, no database: the pipeline's tasks call them.
numpy, pypdf and geoip2fast come from the forensics layer, Pillow and PDFium from imaging."""

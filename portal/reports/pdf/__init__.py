"""The month report as a PDF (WeasyPrint), cached in storage and served after the access gate."""

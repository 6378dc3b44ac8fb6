"""Uploads and their verification: the presigned POST, the check of what lands, the Step Functions
pipeline's layer tasks, the verdict and the report."""

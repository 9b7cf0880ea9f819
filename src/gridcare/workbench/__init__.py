"""The workbench (工作台): what each reader has to do now, counted from the other domains'
services and arranged for their role, on the home page and at ``/api/v1/workbench``."""

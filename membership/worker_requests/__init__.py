"""Workers' requests for help (我要维权) and their needs (诉求): routed like applications, followed
by the routed union to the end, escalated one level up when past their deadline."""

"""Setup's write path: the flow (``flow``), the plan it computes (``plan``, ``planner``), and how the plan is
carried out safely and undone (``apply``, ``journal``, ``lock``); ``edits`` are the line-preserving text edits,
``stores`` the OS trust stores."""

"""Declarative workflows: the YAML language, the working-day calendar, generation and sync.

schema     the workflow file (version 1): rules, reminder policies, stages
phrases    "14 ngày trước hạn", "3 working days before due"… read into offsets
calendar   WorkCalendar: Vietnamese working days (holidays package) and send instants
generate   plans × workflows × calendar → obligations and their notification schedule
sync       store what generation says: add, update, cancel; idempotent
validate   every problem in workflows, templates, directory, plans and settings
agenda     the read side: agenda rows, per-agency status, iCalendar export
"""

Attribute VB_Name = "cqcxl"
' cqcxl: the buttons of the CQC action plan workbook.
' Each Sub runs one cqcxl job on this workbook through xlwings' RunPython (the xlwings
' add-in, or the xlwings module imported into this workbook: see macros/README.md).
' Source of truth: this file, macros/cqcxl.bas in the cqcxl repository.
Option Explicit

' Validate: colour the RAG cells, note each problem on its cell, list them all on the
' Validation sheet.
Sub ValidateWorkbook()
    RunPython "import cqcxl.excel; cqcxl.excel.validate()"
End Sub

' Build summary sheet: rebuild the Summary sheet (the Board's cover) as the first tab.
Sub BuildSummarySheet()
    RunPython "import cqcxl.excel; cqcxl.excel.build_summary()"
End Sub

' Close period: store this period's RAGs in the History sheet (after the Board meeting).
Sub ClosePeriod()
    RunPython "import cqcxl.excel; cqcxl.excel.close_period()"
End Sub

' The same three jobs from the workbook's ribbon tab "Action plan" (customUI/customUI.xml,
' written by cqcxl.xlsm): Excel calls these with the ribbon control that was clicked.
Sub RibbonValidate(control As IRibbonControl)
    ValidateWorkbook
End Sub

Sub RibbonBuildSummary(control As IRibbonControl)
    BuildSummarySheet
End Sub

Sub RibbonClosePeriod(control As IRibbonControl)
    ClosePeriod
End Sub

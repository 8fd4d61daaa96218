Attribute VB_Name = "cqcxl_batch"
' cqcxl_batch: the cell colours and notes of a cqcxl job, written inside Excel.
' Why it exists: on Excel for Windows cqcxl (Python) drives Excel over COM, where every
' property or method is a round trip between two processes (a note costs two, a colour
' three) and no Excel method adds notes or colours to many cells at once. So cqcxl hands
' all of a job's colour and note writes to CqcxlApply in ONE Application.Run call and the
' per-cell work happens here, in-process. cqcxl decides every write; this only makes them.
' Without this module, or when the call fails, cqcxl makes the same writes one by one.
' Caller: cqcxl/engines/xlwings_engine.py (WindowsBook). Source of truth: this file,
' macros/cqcxl_batch.bas in the cqcxl repository.
Option Explicit

' Write i is what(i) on the worksheet sheetNames(i) of this workbook, over addresses(i) (a
' cell, or a range of up to 255 characters such as "F14:F16,F20"), with values(i):
'   "fill"    Interior.Color = values(i)       "font"    Font.Color = values(i)
'   "nofill"  no fill (xlColorIndexNone)       "add"     AddComment values(i)
'   "text"    Comment.Text values(i)           "delete"  Comment.Delete
' The four are 1-D arrays of the same length. Returns the number of writes when all are
' made, or -(k + 1) when write k (counted from 0) failed: the writes before it were made,
' none after it. Never raises an error, never shows a dialog.
Public Function CqcxlApply(ByVal sheetNames As Variant, ByVal what As Variant, _
                           ByVal addresses As Variant, ByVal values As Variant) As Long
    Dim i As Long, done As Long, sheetName As String
    Dim ws As Worksheet, target As Range
    On Error GoTo Failed
    For i = LBound(what) To UBound(what)
        If ws Is Nothing Or CStr(sheetNames(i)) <> sheetName Then
            sheetName = CStr(sheetNames(i))
            Set ws = ThisWorkbook.Worksheets(sheetName)
        End If
        Set target = ws.Range(CStr(addresses(i)))
        Select Case CStr(what(i))
        Case "fill": target.Interior.Color = CLng(values(i))
        Case "font": target.Font.Color = CLng(values(i))
        Case "nofill": target.Interior.ColorIndex = xlColorIndexNone
        Case "add": target.AddComment CStr(values(i))
        Case "text": target.Comment.Text CStr(values(i))
        Case "delete": target.Comment.Delete
        Case Else: Err.Raise 5 ' a write this version does not know: stop here
        End Select
        done = done + 1
    Next i
    CqcxlApply = done
    Exit Function
Failed:
    CqcxlApply = -(done + 1)
End Function

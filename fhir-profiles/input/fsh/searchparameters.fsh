Instance: Task-delegated-care
InstanceOf: SearchParameter
Usage: #definition
Title: "Delegerad vård"
Description: "Sök HSL-uppdrag på om de är delegerad vård. / Search HSL tasks by whether they are delegated care."
* url = "https://samvard.se/fhir/SearchParameter/Task-delegated-care"
* name = "delegated-care"
* status = #draft
* description = "Sök HSL-uppdrag på om de är delegerad vård (true/false). / Search HSL tasks by whether they are delegated care."
* code = #delegated-care
* base = #Task
* type = #token
* expression = "Task.extension('https://samvard.se/fhir/StructureDefinition/samvard-delegated-care').value"

module github.com/vigie-project/vigie/tools/langmodel

go 1.26.8

replace github.com/vigie-project/vigie => ../..

require (
	github.com/abadojack/whatlanggo v1.0.1
	github.com/pemistahl/lingua-go v1.4.0
	github.com/vigie-project/vigie v0.0.0-00010101000000-000000000000
	google.golang.org/protobuf v1.31.0
)

require (
	github.com/shopspring/decimal v1.3.1 // indirect
	golang.org/x/exp v0.0.0-20221106115401-f9659909a136 // indirect
)
